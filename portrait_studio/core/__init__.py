"""The Qt-free model: parameters, images, faces, journal, settings, money, errors, files."""
