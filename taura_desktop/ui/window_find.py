"""Find and replace over the segment table (the find bar's widgets live in ``window_base``):
find next, replace in this segment, replace all; match case, whole words, regular expressions."""

from __future__ import annotations

from taura_desktop.app.editing import find_next, replace_all
from taura_desktop.errors import TauraError
from taura_desktop.ui.window_base import WindowBase


class WindowFind(WindowBase):
    def _connect_find_bar(self) -> None:
        self.replace_button.clicked.connect(self.replace_all)
        self.replace_one_button.clicked.connect(self.replace_one)
        self.find_edit.returnPressed.connect(self.find_next)
        self.replace_edit.returnPressed.connect(self.replace_one)

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def focus_replace(self) -> None:
        """Ctrl+H: the find box when it is empty, else the replacement box (text selected)."""
        if not self.find_edit.text():
            self.focus_find()
        else:
            self.replace_edit.setFocus()
            self.replace_edit.selectAll()

    def find_next(self) -> None:
        if self.project is None or self.model is None:
            return
        current = self.selected_ids()
        try:
            sid = find_next(
                self.project,
                self.model.ids(),
                self.find_edit.text(),
                lang=self.current_lang(),
                field=str(self.find_field.currentData()),
                after=current[0] if current else None,
                case_sensitive=self.f_case.isChecked(),
                whole_word=self.f_word.isChecked(),
                regex=self.f_regex.isChecked(),
            )
        except TauraError as exc:
            self.show_message(str(exc))
            return
        if sid is None:
            self.show_message(self.tr("Not found: {0}").format(self.find_edit.text()))
            return
        self.select_segments([sid])

    def _replace_field(self) -> str:
        field = str(self.find_field.currentData())
        return "translation" if field == "both" else field

    def replace_all(self) -> None:
        if self.project is None:
            return
        needle = self.find_edit.text()
        if not needle:
            self.show_message(self.tr("Type the text to find first."))
            return
        try:
            edit = replace_all(
                self.project,
                needle,
                self.replace_edit.text(),
                lang=self.current_lang(),
                field=self._replace_field(),
                case_sensitive=self.f_case.isChecked(),
                whole_word=self.f_word.isChecked(),
                regex=self.f_regex.isChecked(),
            )
            n = len(edit.segments)
            self.project.apply(edit)
        except TauraError as exc:
            self.show_message(str(exc))
            return
        self.show_message(self.tr("Replaced in {0} segments").format(n))

    def replace_one(self) -> None:
        """Replace the first match in the current segment (one undo step), then find the next."""
        project, sid = self.project, self.current_id()
        needle = self.find_edit.text()
        if project is None:
            return
        if not needle:
            self.show_message(self.tr("Type the text to find first."))
            return
        if sid is not None:
            try:
                edit = replace_all(
                    project,
                    needle,
                    self.replace_edit.text(),
                    lang=self.current_lang(),
                    field=self._replace_field(),
                    seg_ids=[sid],
                    count=1,
                    case_sensitive=self.f_case.isChecked(),
                whole_word=self.f_word.isChecked(),
                regex=self.f_regex.isChecked(),
                )
                if edit.segments:
                    project.apply(edit)
            except TauraError as exc:
                self.show_message(str(exc))
                return
        self.find_next()

