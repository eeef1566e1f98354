"""Machine-translation throughput: our batched CTranslate2 path vs argostranslate, and apertium.

    python bench/bench_mt.py [--segments 2000]

1. The same tiny random-weight argos package (tests/tiny/argos.py) is installed twice: into
   argostranslate's own package dir (``argostranslate.package.install_from_path``) and into a
   Taura model store. 2,000 subtitle-like segments are translated by argostranslate's
   ``translate()`` one segment at a time (its per-sentence path: MiniSBD split, one
   translate_batch per sentence) and by ``ArgosEngine.translate_batch`` in one call, with the
   same beam size and decoding limit. The ratio is printed (target >= 5x).
2. apertium eng-spa throughput on the same 2,000 segments (segments/s), one process call.

Random weights decode to the length limit, so absolute times are pessimistic; the ratio is
what matters. Figures are measured in this one run; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def segments(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    text = (
        "the a house is red we you they go come see hello world good morning night cat dog "
        "car tree water city film scene actor editor voice sound light time day week year "
        "one two three and or but not very small big new old fast slow"
    )
    words = text.split(" ")
    out = []
    for _ in range(n):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        out.append(s.capitalize() + rng.choice([".", "!", "?", ","]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--beam", type=int, default=4, help="beam size for both argos paths")
    ap.add_argument("--max-len", type=int, default=256,
                    help="max decoding length; argostranslate always uses 256 (CTranslate2's "
                         "default), so only 256 gives a fair ratio")
    args = ap.parse_args()
    texts = segments(args.segments)

    tmp = Path(tempfile.mkdtemp(prefix="bench_mt_"))
    home = tmp / "home"
    for var, sub in (("XDG_DATA_HOME", "share"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_CACHE_HOME", "cache")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        os.environ[var] = str(home / sub)
    os.environ["HOME"] = str(home)
    os.environ["ARGOS_PACKAGES_DIR"] = str(home / "argos-packages")
    os.environ["HF_HUB_OFFLINE"] = "1"

    import ctranslate2

    from taura_desktop.engines.mt.apertium import ApertiumEngine
    from taura_desktop.engines.mt.argos import ArgosEngine, pick_device
    from tests.tiny.argos import build_tiny_argos_package

    device = pick_device("auto")
    os.environ["ARGOS_DEVICE_TYPE"] = device  # same device for argostranslate
    print(f"ctranslate2 {ctranslate2.__version__}, device {device}, {len(texts)} segments, "
          f"beam {args.beam}, max decoding length {args.max_len}")

    zip_path = build_tiny_argos_package(tmp / "pkg", "en", "es")
    store = tmp / "store" / "argos"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(store)
    folder = next(store.iterdir())
    (folder / ".complete").write_text(json.dumps({"name": folder.name}), encoding="utf-8")

    # -- ours ------------------------------------------------------------------------------
    engine = ArgosEngine(store, device=device, beam_size=args.beam,
                         max_decoding_length=args.max_len)
    engine.translate_batch(texts[:4], "en", "es")  # load the model (not timed)
    t0 = time.perf_counter()
    ours = engine.translate_batch(texts, "en", "es")
    t_ours = time.perf_counter() - t0
    assert len(ours) == len(texts)
    print(f"ArgosEngine batched:           {t_ours:8.2f} s  {len(texts) / t_ours:9.1f} seg/s")

    engine2 = ArgosEngine(store, device=device, max_decoding_length=args.max_len)
    engine2.translate_batch(texts[:4], "en", "es")
    t0 = time.perf_counter()
    engine2.translate_batch(texts, "en", "es")
    t_ours2 = time.perf_counter() - t0
    print(f"ArgosEngine batched, beam 2:   {t_ours2:8.2f} s  {len(texts) / t_ours2:9.1f} seg/s")

    # -- argostranslate per sentence --------------------------------------------------------
    t0 = time.perf_counter()
    os.environ["ARGOS_BEAM_SIZE"] = str(args.beam)
    import argostranslate.package
    import argostranslate.translate

    t_import = time.perf_counter() - t0
    argostranslate.package.install_from_path(zip_path)
    argostranslate.translate.translate(texts[0], "en", "es")  # load (not timed)
    t0 = time.perf_counter()
    theirs = [argostranslate.translate.translate(t, "en", "es") for t in texts]
    t_theirs = time.perf_counter() - t0
    assert len(theirs) == len(texts)
    print(f"argostranslate per segment:    {t_theirs:8.2f} s  {len(texts) / t_theirs:9.1f} seg/s"
          f"  (import {t_import:.1f} s not counted)")
    fair = "" if args.max_len == 256 else "  NOT FAIR: argostranslate decodes up to 256"
    print(f"ratio batched/argostranslate:  {t_theirs / t_ours:8.1f}x  (same beam {args.beam}; "
          f"target >= 5x){fair}")
    print(f"ratio beam-2 default/argos:    {t_theirs / t_ours2:8.1f}x")

    # -- apertium --------------------------------------------------------------------------
    ap_engine = ApertiumEngine()
    if ap_engine.can_translate("en", "es"):
        ap_engine.translate_batch(texts[:2], "en", "es")
        t0 = time.perf_counter()
        out = ap_engine.translate_batch(texts, "en", "es")
        t_ap = time.perf_counter() - t0
        assert len(out) == len(texts)
        print(f"apertium eng-spa, one process: {t_ap:8.2f} s  {len(texts) / t_ap:9.1f} seg/s")
    else:
        print("apertium eng-spa: not installed")


if __name__ == "__main__":
    main()
