"""The language switch: every message has a Japanese translation that keeps its placeholders; ``--lang``, then
``GANDOJO_LANG``, then the locale choose the language; ``--help``, usage errors, error lines and the closing lines
of a run speak Japanese; what programs read (JSON, failure.json, metrics.jsonl's keys) is the same in both."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from gandojo import i18n
from gandojo.cli import main
from gandojo.errors import FolderLocked
from gandojo.formatting import display_width

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "src" / "gandojo" / "locale" / "ja" / "LC_MESSAGES" / "gandojo.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)s")  # Python's str.format and the templates' %(name)s


def extracted() -> set[str]:
    """The messages of the code as ``make messages`` gathers them (babel.cfg, the same keywords)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, options_map,
                                                                        keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def japanese() -> dict[str, pofile.Message]:
    with PO.open("rb") as file:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in pofile.read_po(file) if m.id}


def forms_of(message: pofile.Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_every_message_has_a_japanese_translation_with_the_same_placeholders():
    messages, catalog = extracted(), japanese()
    assert len(messages) > 200  # the help texts are in (the command tree was walked), not only the marked messages
    missing = sorted(m for m in messages if m not in catalog or not all(forms_of(catalog[m])))
    assert not missing, f"no translation (run make messages, then translate in {PO.name}): {missing[:5]}"
    fuzzy = sorted(m for m in messages if catalog[m].fuzzy)
    assert not fuzzy, f"fuzzy translations to check: {fuzzy[:5]}"
    dropped = [m for m in messages if any(sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(t))
                                          for t in forms_of(catalog[m]))]  # plural: each form (Japanese: one)
    assert not dropped, f"translations whose placeholders differ from the English: {dropped[:5]}"


def test_the_catalog_compiles_and_the_flag_beats_the_variable_and_the_variable_beats_the_locale():
    assert i18n.compile_catalog(PO)  # what a fresh checkout without a compiled .mo uses
    assert i18n.choose(None, {"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.choose(None, {"LC_MESSAGES": "en_GB.UTF-8", "LANG": "ja_JP.UTF-8"}) == "en"
    assert i18n.choose(None, {"GANDOJO_LANG": "ja", "LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.choose("en", {"GANDOJO_LANG": "ja", "LANG": "ja_JP.UTF-8"}) == "en"
    assert i18n.choose(None, {"LANG": "fr_FR.UTF-8"}) == i18n.choose(None, {}) == "en"
    with pytest.raises(ValueError, match="GANDOJO_LANG takes en or ja, not 'de'"):
        i18n.choose(None, {"GANDOJO_LANG": "de"})


def gandojo(*args: str, lang: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("GANDOJO_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    environ.update(env)
    if lang is not None:
        environ["GANDOJO_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "gandojo", *args], capture_output=True, text=True, env=environ,
                          timeout=120)


def test_help_and_errors_speak_japanese_under_a_japanese_locale():
    page = gandojo("train", "--help", LANG="ja_JP.UTF-8")
    assert page.returncode == 0
    assert page.stdout.startswith("使い方: gandojo train") and "オプション:" in page.stdout
    assert "GAN を学習し、実行フォルダ" in page.stdout and "生成器のステップ数。" in page.stdout
    assert "--steps" in page.stdout and "Usage:" not in page.stdout  # flags stay as they are
    japanese = [line for line in page.stdout.splitlines() if display_width(line) != len(line)]
    assert len(japanese) > 20 and max(map(display_width, japanese)) <= 80  # wrapped by terminal columns
    english = gandojo("train", "--help", LANG="C")
    assert english.stdout.startswith("Usage: gandojo train") and "Generator steps." in english.stdout

    bad = gandojo("wasserstein", "--p", "1,x", "--q", "1", LANG="ja_JP.UTF-8")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "エラー: --p: 6,4,3,1 のようなカンマ区切りの数が必要です（指定値 '1,x'）"
    unknown = gandojo("train", "--bogus", "--lang", "ja")
    assert unknown.returncode == 2 and "エラー: そのようなオプションはありません: --bogus" in unknown.stderr
    assert "ヘルプは 'gandojo train --help' で見られます。" in unknown.stderr
    wrong = gandojo("--lang", "fr", "--help")
    assert wrong.returncode == 2 and wrong.stderr.strip() == "error: --lang takes en or ja, not 'fr'"


def test_the_language_of_one_call_does_not_leak_into_the_next(capsys):
    assert main(["wasserstein", "--lang", "ja", "--p", "1,x", "--q", "1"]) == 2
    assert "エラー:" in capsys.readouterr().err
    assert i18n.current() == "en"
    assert str(FolderLocked(Path("runs/x"), {"pid": 7})) == ("runs/x is being written by another gandojo process "
                                                             "(pid 7); wait for it or stop it")
    with i18n.speaking("ja"):
        assert str(FolderLocked(Path("runs/x"), {"pid": 7})) == (
            "runs/x は別の gandojo プロセス（pid 7）が書き込み中です。終わるのを待つか、そのプロセスを止めてください")


def test_a_run_speaks_japanese_and_writes_the_same_files_and_json_in_both_languages(tmp_path, capsys):
    tiny = ["--data", "ring8", "--steps", "20", "--seed", "3", "model.hidden=16", "model.depth=2",
            "train.batch_size=64", "train.log_every=10", "train.eval_every=20", "train.eval_samples=300",
            "train.sample_every=1000", "train.checkpoint_every=1000"]
    printed, scores = {}, {}
    for lang in ("en", "ja"):
        assert main(["train", "--lang", lang, *tiny, "--out", str(tmp_path / lang)]) == 0
        printed[lang] = capsys.readouterr().out
        assert main(["evaluate", str(tmp_path / lang), "--json", "--lang", lang]) == 0
        scores[lang] = capsys.readouterr().out
    assert "カバーしたモード" in printed["ja"] and "高品質サンプル率" in printed["ja"]
    assert "実行フォルダ:" in printed["ja"] and "modes covered" in printed["en"]

    def steady(line: str) -> dict:  # a metrics line without its clock readings
        return {k: v for k, v in json.loads(line).items() if "second" not in k and "time" not in k}

    lines = {lang: (tmp_path / lang / "metrics.jsonl").read_text().splitlines() for lang in printed}
    assert [steady(x) for x in lines["en"]] == [steady(x) for x in lines["ja"]]
    assert (tmp_path / "en" / "config.yaml").read_text() == (tmp_path / "ja" / "config.yaml").read_text()
    assert json.loads(scores["ja"]) and scores["en"] == scores["ja"].replace(str(tmp_path / "ja"), str(tmp_path / "en"))


def test_a_full_disk_is_told_in_japanese_and_failure_json_stays_english(tmp_path, monkeypatch, capsys):
    from test_os_faults import TINY, FullDisk

    run = tmp_path / "full"
    with monkeypatch.context() as patch:
        FullDisk(patch, "step_0000010.pt")
        assert main(["train", "--lang", "ja", "--objective", "gan", "--steps", "40", "--out", str(run), "--quiet",
                     *TINY]) == 1
    line = [x for x in capsys.readouterr().err.splitlines() if x.startswith("エラー: ")]
    checkpoint = run / "checkpoints" / "step_0000010.pt"
    assert len(line) == 1 and line[0].startswith(f"エラー: {checkpoint} (")
    assert line[0].endswith(" kB)の書き込み中にデバイスに空き容量がありません。最後の正常なチェックポイントは"
                            f"ステップ 5 です。空き容量を作ってから gandojo train --resume {run} を実行してください")
    failure = json.loads((run / "failure.json").read_text())
    assert failure["what"] == f"writing {checkpoint}" and failure["reason"] == "no space left on device"
    assert failure["hint"] == f"free space, then gandojo train --resume {run}"
    assert main(["report", str(run), "--lang", "ja"]) == 0  # the page says failure.json's record in Japanese
    page = (run / "report.html").read_text()
    assert f"{checkpoint} の書き込み: デバイスに空き容量がありません" in page
    assert f"デバイスに空き容量がありません。空き容量を作ってから gandojo train --resume {run} を実行してください" \
        in page
    assert "no space left" not in page and "free space" not in page


def test_every_message_the_play_script_marks_reaches_the_catalog_and_the_page():
    script = (ROOT / "src" / "gandojo" / "play" / "static" / "play.js").read_text()
    marked = re.findall(r'(?<![\w.$])_\("((?:[^"\\]|\\.)*)"', script)
    from gandojo.play.app import script_messages

    with i18n.speaking("ja"):
        sent = script_messages(script)
    assert len(marked) > 50 and set(marked) <= set(sent)  # a mark the extractor misses (a nested call) fails here
    assert set(marked) <= extracted()
    assert sent["step {step} · {what} · {frames} frames"] == "ステップ {step} · {what} · {frames} フレーム"
    with i18n.speaking("en"):
        assert script_messages(script) == {}


def test_config_and_data_errors_from_deep_in_the_library_speak_japanese(tmp_path, capsys):
    cases = [(["train.steps=abc"], "エラー: 設定キー 'train.steps': 値 'abc' は受け付けられません（期待するもの: 整数"),
             (["model.noise=gauss"], "'normal' / 'uniform' のいずれか"),
             (["optim.lrr=1"], "キー 'optim.lrr' はありません（もしかして optim.lr？）"),
             (["--preset", "ring8-gn"], "プリセット 'ring8-gn' はありません（もしかして ring8-gan？）"),
             (["--data", "rign8"], "データセット 'rign8' はありません（もしかして ring8？）")]
    for args, said in cases:
        assert main(["train", "--lang", "ja", "--out", str(tmp_path / "never"), *args]) == 2
        assert said in capsys.readouterr().err
        assert not (tmp_path / "never").exists()
    assert main(["train", "--out", str(tmp_path / "never"), "train.steps=abc"]) == 2  # English as it was
    assert "expected a valid integer, unable to parse string as an integer" in capsys.readouterr().err
    # the distance functions' argument errors, in the command line's names; a damaged checkpoint
    assert main(["wasserstein", "--lang", "ja", "--p", "1,2,3", "--q", "1,-1,3"]) == 2
    assert capsys.readouterr().err == "エラー: --q は非負である必要がありますが、--q の x2 = -1 です\n"
    assert main(["wasserstein", "--lang", "ja", "--p", "1,2", "--q", "1,1,1"]) == 2
    assert "--p のセルは 2 個、--q は 3 個です" in capsys.readouterr().err
    damaged = tmp_path / "final.pt"
    damaged.write_bytes(b"junk\n")
    assert main(["evaluate", str(damaged), "--lang", "ja"]) == 2
    assert capsys.readouterr().err.startswith(f"エラー: {damaged}: 壊れているか途中で切れたチェックポイントです（")


def test_a_health_warning_is_shown_in_japanese_and_recorded_in_english():
    from gandojo.health import HealthMonitor

    monitor = HealthMonitor("gan")
    with i18n.speaking("ja"):
        shown = monitor.check({"step": 7, "loss_d": 0.01, "loss_g": 3.0})
    assert shown == ["ステップ 7: 識別器の損失が 0 に近い（0.010）: D が完勝し、G はほとんど手がかりを得られません。"
                     "D の学習率を下げるか、D のステップを減らしてください"]
    assert monitor.messages == ["step 7: the discriminator loss is near 0 (0.010): D wins outright and G gets little "
                                "signal; try a smaller D learning rate or fewer D steps"]  # summary.json's words


def test_a_reports_health_warnings_are_said_again_in_the_readers_language(tmp_path):
    from gandojo.health import HealthMonitor
    from gandojo.report import run_report

    monitor = HealthMonitor("gan")
    monitor.check({"step": 7, "loss_d": 0.01, "loss_g": 3.0})
    monitor.check({"step": 9, "loss_d": 0.5, "loss_g": 30.0})
    summary = {"status": "finished", "warnings": monitor.messages, "warning_records": monitor.records}
    (tmp_path / "summary.json").write_text(json.dumps(summary))  # as the runner writes it: English, and records
    with i18n.speaking("ja"):
        page = run_report(tmp_path).read_text()
    assert "ステップ 7: 識別器の損失が 0 に近い（0.010）" in page
    assert "ステップ 9: 生成器の損失が爆発しています（30.0）" in page
    assert "discriminator loss" not in page and "exploding" not in page
    with i18n.speaking("en"):
        assert monitor.messages[1] in run_report(tmp_path).read_text()


def test_the_play_pages_refused_messages_speak_japanese_and_english_keeps_pydantics_words():
    from gandojo.play.session import parse_command

    def refusal(text: str) -> str:
        with pytest.raises(ValueError) as caught:
            parse_command(text)
        return str(caught.value)

    cases = {'{"type": "steps_per_frame", "value": 0}':
             "メッセージ 'steps_per_frame': value: 1 以上の値を指定してください",
             '{"type": "play", "extra": 1}': "メッセージ 'play': extra: このフィールドは使えません",
             '{"type": "save"}': "メッセージ 'save': name: このフィールドは必須です",
             '{"type": "nope"}': "メッセージ 'nope': 種類 'nope' はありません（期待するもの: 'play', 'pause'",
             'not json': "JSON のメッセージではありません"}
    with i18n.speaking("ja"):
        for text, said in cases.items():
            assert refusal(text).startswith(said)
    with i18n.speaking("en"):
        assert refusal('{"type": "steps_per_frame", "value": 0}') == \
            "message 'steps_per_frame': value: Input should be greater than or equal to 1"


def test_what_was_not_finite_is_said_in_the_readers_language_and_kept_english_for_failure_json():
    from gandojo.errors import NON_FINITE, NonFiniteError

    with i18n.speaking("ja"):
        err = NonFiniteError(3, NON_FINITE["generator"][0], {})
    assert err.what == "generator loss" and "generator" not in str(err) and "生成器の損失" in str(err)


@pytest.mark.parametrize("args", [["--data", "grid25"], ["--data", "digits"], ["--data", "stacked-digits"],
                                  ["--data", "ring8", "--objective", "wgan-gp"]], ids=" ".join)
def test_dry_run_says_every_preset_and_default_and_why_in_japanese(args, capsys):
    assert main(["train", *args, "--dry-run", "--lang", "ja"]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("# ")]
    assert len(said) >= 5
    preset = [] if "--objective" in args else [said.pop(0)]  # the best recipe is said first, with what it is
    assert all(line.startswith("# プリセット: best-") and "--preset" in line for line in preset)
    reasons = [line.split(": ", 2)[-1] for line in said]  # "# 既定: key = value: why"
    descriptions = [line.split("選べます。", 1)[-1] for line in preset]
    untranslated = [why for why in [*descriptions, *reasons] if display_width(why) == len(why)]
    assert not untranslated  # each reason has wide (Japanese) characters, the preset's description too
    assert main(["train", *args, "--dry-run"]) == 0  # English again, the same lines
    english = [line for line in capsys.readouterr().out.splitlines() if line.startswith("# ")]
    assert len(english) == len(preset) + len(said) and all(display_width(line) == len(line) for line in english)


def test_the_presets_list_describes_each_preset_in_japanese(capsys):
    assert main(["presets", "--lang", "ja"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and all(display_width(line) > len(line) for line in lines)
