"""Tutorial: a pretrained solver from the model zoo: its card, a prediction, and a check of its metrics.

Run: ``python docs/tutorials/zoo.py`` (seconds).
"""

from sciml import zoo

print("entries:", zoo.list())
card = zoo.info("burgers_pinn")
print(card["problem"], "| metrics:", card["metrics"])
model = zoo.load("burgers_pinn")  # weights checked against the card's SHA-256; the network rebuilt from its spec
print("u(x=0.5, t=0.25) =", float(model.predict([[0.5, 0.25]])[0, 0]))
now = model.evaluate()  # against the stored reference points (offline)
print("re-evaluated:", now)
assert abs(now["rel_l2"] - card["metrics"]["rel_l2"]) <= 0.02 * card["metrics"]["rel_l2"]
