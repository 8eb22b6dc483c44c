"""Measure files are checked strictly: each kind of mistake names the file, the entry and the
field, and then nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from onedoor.outcomes.measures import (
    DATA_DIR,
    MeasureFileError,
    all_measures,
    get_measure,
    load_measures,
)

GAD7 = (DATA_DIR / "gad-7.toml").read_text(encoding="utf-8")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _mine(text: str = GAD7) -> str:
    """The GAD-7 file as an alliance's own measure, "my-measure"."""
    return text.replace('slug = "gad-7"', 'slug = "my-measure"')


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path / "bad", "my-measure", text)
    _write(tmp_path / "bad", "another", _mine().replace('"my-measure"', '"another"'))
    with pytest.raises(MeasureFileError) as caught:
        load_measures([tmp_path / "bad"])
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


def test_an_alliance_adds_its_own_measure_through_the_setting(
    tmp_path: Path, settings: Settings
) -> None:
    _write(tmp_path, "my-measure", _mine())
    settings.OUTCOME_MEASURES_DIRS = [str(tmp_path)]
    assert sorted(all_measures())[:4] == ["chi-esq", "gad-7", "gbo", "my-measure"]
    measure = get_measure("my-measure")
    assert measure is not None
    assert (measure.short_name, len(measure.items), measure.licence.holder) == (
        "GAD-7", 7, "Pfizer Inc.",
    )  # fmt: skip


def test_a_bad_file_in_the_alliance_folder_loads_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    ages = "min_age = 16\nmax_age = 25\ndirection"
    _write(tmp_path, "my-measure", _mine().replace(ages, ages.replace("25", "15")))
    settings.OUTCOME_MEASURES_DIRS = [str(tmp_path)]
    with pytest.raises(MeasureFileError, match="entry measure, field 'max_age'"):
        all_measures()


def test_the_measures_are_immutable() -> None:
    measure = load_measures([DATA_DIR])["gad-7"]
    with pytest.raises(AttributeError):
        measure.items[0].text = "Something else"  # type: ignore[misc]
    with pytest.raises(TypeError):
        load_measures([DATA_DIR])["gad-7"] = measure  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[measure]", "[measure"), "not valid TOML"),
        (
            ('text = "Trouble relaxing"', 'text = "Trouble relaxing"\ncolour = "red"'),
            "entry items[3] '4', field 'colour': Extra inputs are not permitted",
        ),
        (
            (
                'text = "Trouble relaxing"\nsubscales = ["total"]',
                'text = "Trouble relaxing"\nsubscales = ["worry"]',
            ),
            "entry items[3] '4', field 'subscales': no subscale has the slug 'worry'",
        ),
        (
            ('key = "4"', 'key = "3"'),
            "entry items[3] '3', field 'key': is used twice",
        ),
        (
            ('url = "https://www.phqscreeners.com/"', 'url = "www.phqscreeners.com"'),
            "entry licence, field 'url': String should match pattern",
        ),
        (
            ("electronic_use = true", "electronic_use = false"),
            "entry measure, field 'kind': the licence forbids electronic use: use 'scores_only'",
        ),
        (
            ("min = 0\nmax = 21", "min = 0\nmax = 28"),
            "entry subscales[0] 'total', field 'min': the items give the range 0 to 21",
        ),
        (
            (
                '{ min = 10, name = "Moderate", clinical = true }',
                '{ min = 3, name = "Moderate", clinical = true }',
            ),
            "entry subscales[0] 'total', field 'cutoffs[0].bands[2].min': bands rise within "
            "the range",
        ),
        (
            (
                "reliable_change = { min_change = 4 }",
                "reliable_change = { min_change = 4, sd = 5.0, reliability = 0.8 }",
            ),
            "entry subscales[0] 'total', field 'reliable_change': give sd and reliability, or "
            "min_change",
        ),
        (
            ("reliable_change = { min_change = 4 }", "reliable_change = { reliability = 1.2 }"),
            "entry subscales[0] 'total', field 'reliable_change.reliability': Input should be "
            "less than 1",
        ),
        (
            ('headline = "total"', 'headline = "worry"'),
            "entry measure, field 'headline': no subscale has the slug 'worry'",
        ),
        (
            ("allowed_missing = 1", "allowed_missing = 7"),
            "entry subscales[0] 'total', field 'allowed_missing': must be below the 7 items",
        ),
        (
            ('value = 3\nlabel = "Nearly every day"', 'value = 2\nlabel = "Nearly every day"'),
            "entry options[3], field 'value': is used twice",
        ),
        (
            ('respondents = ["young_person", "practitioner"]', 'respondents = ["teacher"]'),
            "entry measure, field 'respondents[0]': Input should be 'young_person', 'parent' "
            "or 'practitioner'",
        ),
    ],
)
def test_each_kind_of_mistake_names_the_file_entry_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    text = _mine()
    assert old in text
    assert _error(tmp_path, text.replace(old, new, 1)).startswith(expected)


def test_a_cut_off_for_a_gender_no_child_has_is_refused(tmp_path: Path) -> None:
    before = "min_age = 16\nmax_age = 25\nbands"
    text = _mine().replace(before, before.replace("bands", 'genders = ["girl"]\nbands'))
    assert _error(tmp_path, text).startswith(
        "entry subscales[0] 'total', field 'cutoffs[0].genders[0]': Input should be 'female'"
    )


def test_a_file_named_differently_from_its_slug_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "gad7", GAD7)
    with pytest.raises(MeasureFileError) as caught:
        load_measures([tmp_path])
    assert (
        str(caught.value) == f"{path}: entry measure, field 'slug': must match the file name 'gad7'"
    )


def test_a_measure_defined_twice_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "gad-7", GAD7)
    with pytest.raises(MeasureFileError) as caught:
        load_measures([DATA_DIR, tmp_path])
    assert str(caught.value) == (
        f"{path}: entry measure, field 'slug': 'gad-7' is already defined in "
        f"{DATA_DIR / 'gad-7.toml'}"
    )


def test_a_scores_only_measure_may_not_have_items(tmp_path: Path) -> None:
    text = _mine().replace('kind = "items"', 'kind = "scores_only"')
    assert _error(tmp_path, text) == (
        "entry items, field '(whole entry)': a scores-only measure has no items or options"
    )


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MeasureFileError, match="no such folder of outcome measures"):
        load_measures([tmp_path / "nowhere"])


def test_manage_py_check_reports_a_bad_measure_file(tmp_path: Path, settings: Settings) -> None:
    from onedoor.outcomes.apps import check_measure_files

    assert check_measure_files() == []
    path = _write(tmp_path, "my-measure", _mine().replace('headline = "total"', 'headline = "x"'))
    settings.OUTCOME_MEASURES_DIRS = [str(tmp_path)]
    [error] = check_measure_files()
    assert (error.id, error.msg) == (
        "outcomes.E001",
        f"{path}: entry measure, field 'headline': no subscale has the slug 'x'",
    )
