"""Engines: one module per backend behind a small ``typing.Protocol``, plain data in and out.

Engines take LOCAL model folders only (the model store resolves names to folders) and never
download anything. Heavy libraries (faster_whisper, ctranslate2, argostranslate, piper, TTS,
torch) are imported lazily inside functions, never when this package is imported.
"""
