print("gembatch")
