"""The README's tour runs as written."""
import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_tour_is_correct():
    text = (ROOT / "README.md").read_text()
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "README", str(ROOT / "README.md"), 0)
    assert test.examples, "the README has no Python tour"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    text = (ROOT / "README.md").read_text()
    assert "make report" in text and "make test" in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
