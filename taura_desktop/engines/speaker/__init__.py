"""Speaker embeddings (who is speaking) behind the small ``SpeakerEncoder`` protocol.

``ge2e`` runs the GE2E encoder (Resemblyzer's ``pretrained.pt``) with our own feature code;
``cluster`` groups window embeddings into speakers. torch loads when an encoder is created.
"""

from taura_desktop.engines.speaker.base import EMBEDDING_SIZE, SAMPLE_RATE, SpeakerEncoder, Window
from taura_desktop.engines.speaker.ge2e import Ge2eEncoder

__all__ = ["EMBEDDING_SIZE", "SAMPLE_RATE", "SpeakerEncoder", "Window", "open_encoder"]


def open_encoder(model_dir: str, device: str = "cpu") -> SpeakerEncoder:
    """Load the encoder whose weights are in ``model_dir`` (a model-store folder)."""
    from pathlib import Path

    return Ge2eEncoder(Path(model_dir), device=device)
