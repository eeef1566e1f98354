"""Translation quality tools: sentence grouping, glossary enforcement, translation memory."""

from taura_desktop.translation.glossary import GLOSSARY_FLAG, Glossary
from taura_desktop.translation.memory import TmMatch, TranslationMemory
from taura_desktop.translation.sentences import (
    POOR_SPLIT,
    CueTranslation,
    SentenceGroup,
    distribute,
    group_sentences,
    translate_cues,
)

__all__ = [
    "GLOSSARY_FLAG",
    "POOR_SPLIT",
    "CueTranslation",
    "Glossary",
    "SentenceGroup",
    "TmMatch",
    "TranslationMemory",
    "distribute",
    "group_sentences",
    "translate_cues",
]
