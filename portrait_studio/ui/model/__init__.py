"""Qt models the views subscribe to: the open photos of a session and their typed state."""
