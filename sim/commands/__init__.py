"""The simulated mons' commands: the executor and its handlers, the cli's reads, the signatures."""
