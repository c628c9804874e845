print("fit-bench: not yet")
