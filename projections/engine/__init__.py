"""How read models are fed: the projector host (one consumer, each batch checked and
decoded once, applied to every hosted read model), the runner and its positions, reading
the store, bulk writes, partitions and blue/green rebuilds."""
