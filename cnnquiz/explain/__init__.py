"""Step-by-step views of a computation: the window sliding, the products, the output filling in."""
