"""Help → User Guide: the user guide (docs/guide/), the README, the command and node
references rendered in a window of the studio, links between them followed in place, web
links in the browser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide" / "README.md"
README = ROOT / "README.md"
COMMANDS = ROOT / "docs" / "guide" / "reference.md"
NODE_REFERENCE = ROOT / "docs" / "nodes.md"


class GuideWindow(QWidget):
    def __init__(self, owner: QWidget):
        super().__init__(owner, Qt.Window)
        self.setWindowTitle("Knotwork — User Guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)  # http links go to the web browser
        self.browser.setOpenLinks(True)
        self.browser.setSearchPaths([str(ROOT), str(ROOT / "docs"), str(GUIDE.parent)])
        buttons = QHBoxLayout()
        for text, slot in (
            ("◀ Back", self.browser.backward),
            ("User Guide", lambda: self.open(GUIDE)),
            ("README", lambda: self.open(README)),
            ("Commands", lambda: self.open(COMMANDS)),
            ("Node Reference", lambda: self.open(NODE_REFERENCE)),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.browser, 1)
        QShortcut(QKeySequence(Qt.Key_Escape), self, self.close)
        self.resize(860, 680)
        self.open(GUIDE)

    def open(self, path: Path) -> None:
        if path.is_file():
            self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.MarkdownResource)
        else:
            self.browser.setMarkdown(
                f"# Guide not found\n\n`{path}` is missing from this installation: "
                "read the guide at the project's home page."
            )

    @property
    def title(self) -> str:
        return self.browser.documentTitle() or self.browser.toPlainText().split("\n", 1)[0]
