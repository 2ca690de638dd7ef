"""One module per claim family; importing a module registers its confirmations."""
