"""The application layer: every user-level operation, once, for the CLI and the editor.

No Qt and no printing here. Modules:

- :mod:`.projects` - new project (with the audio check), subtitle import/export, cues, ``info``
- :mod:`.review` - approval and the translation memory it feeds
- :mod:`.editing` - typed text and times, replace-all (each returns one undoable edit)
- :mod:`.qc` - subtitle QC with the project's profile
- :mod:`.peaks` - the waveform peaks cached in the project file
- :mod:`.version` - ``--version`` of ``taura`` and ``taura-desktop`` (argparse writes it)
"""
