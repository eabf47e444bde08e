"""The dispatcher's parts: which actor owns what (registry), routing bus messages to them
(router), jobs out on agents (jobs), the periodic tick (ticks), the shared read models (read
models), and the Dispatcher composing them for the bus, the ticker and the facade."""
