"""Machine-translation engines: argos (CTranslate2 packages) and apertium (rule-based).

Engine classes are imported from their modules (``engines.mt.argos.ArgosEngine``,
``engines.mt.apertium.ApertiumEngine``); none of them imports ctranslate2 at import time.
"""

from taura_desktop.engines.mt.base import MtEngine, model_hint, no_pair_error

__all__ = ["MtEngine", "model_hint", "no_pair_error"]
