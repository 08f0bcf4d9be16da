"""Tables of the draw and of judges' relations (sealed codes, stations, declared relationships)."""
