"""The node canvas: scene (follows the document), node and wire items, and the zoomable view."""
