"""The one threading idiom: BackgroundRunner (a joined QThread) and the callback-to-signal bridge."""
