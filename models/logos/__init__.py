"""The logo detector: fictional brand kits and synthetic composites to train and evaluate it on."""
