"""Where Chronicle keeps its data does not depend on the folder a command starts in:
`chronicle status` from a subfolder finds the store `chronicle up` made."""

from pathlib import Path

import pytest

from adapters.settings import Settings

pytestmark = pytest.mark.unit
CHECKOUT = Path(__file__).resolve().parents[2]


def test_the_data_folder_is_the_checkouts_whatever_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CHRONICLE_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == CHECKOUT / ".chronicle"


def test_a_relative_data_folder_is_made_absolute_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHRONICLE_DATA_DIR", "state/here")
    settings = Settings()
    monkeypatch.chdir(CHECKOUT)  # a child started elsewhere gets the same folder
    assert settings.data_dir == tmp_path / "state" / "here"
    assert Settings(data_dir=settings.data_dir).data_dir == settings.data_dir


def test_without_the_embedded_extra_a_missing_server_url_is_a_configuration_error(
    tmp_path, monkeypatch
):
    import sys

    from adapters import embedded

    monkeypatch.setitem(sys.modules, "pgserver", None)  # as if not installed
    with pytest.raises(embedded.EmbeddedMissing, match=r"CHRONICLE_DATABASE_URL.*embedded"):
        embedded.start_postgres(tmp_path / "pgdata")
    monkeypatch.setattr(embedded.shutil, "which", lambda name: None)
    monkeypatch.setattr(embedded.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(embedded.EmbeddedMissing, match="CHRONICLE_NATS_URL"):
        embedded.nats_server_binary()
    assert embedded.EmbeddedMissing.exit_code == 3
