"""Pure checks over the model, returning findings; both the program's pre-flight and the doctor call them."""
