"""The simulated CRUSH map: the model, its text form and the text parser."""
