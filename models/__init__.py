"""Models the booth runs, with the code that makes their training and evaluation data and trains them."""
