"""Logo tagging: the event's brand kit, detections in a shot's frames, and how well they are found."""
