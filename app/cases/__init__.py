"""Named-patient cases: destination, pathway, regulator authorization, prescriber, receiver,
drug and quantity, and the status they move through. Known outside by an opaque reference."""
