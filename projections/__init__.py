"""Read models: one projector per read model, plain parameterised SQL."""
