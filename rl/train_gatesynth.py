"""Train the cost-to-go network of the gate-synthesis search by deep Q-learning (Q*).

    python -m qtool.rl.train_gatesynth --basis hrc --eps 7.07e-4 --tables 5 \\
        --out qtool/gatesynth/data/hrc.npz [--steps 20000] [--seed 0]

The network ``Q(R, .)`` maps a residual (its rotation, 9 numbers) to one value per move:
the move's cost plus the cost still to pay after it (papers.md section 1.2, after
Agostinelli et al.).  Targets are approximate value iteration grounded in the exact tables:

    y(R, a) = c(a) + b                      if the child m_a^dag R is within eps of an entry
                                            of the suffix tables of shortest cost b,
            = c(a) + min_a' Q_target(child, a')   otherwise,

regressed with MSE (Adam); the target network is a copy refreshed every ``--sync`` steps.
States are scrambles: products of 1..``--max-scramble`` random allowed moves, nudged by less
than ``eps`` (their cost-to-go is bounded by their length, which grounds the iteration).
Progress goes to the log every ``--log-every`` steps.  The weights are saved as plain arrays
(:class:`qtool.gatesynth.features.MLP`) at ``--out``, with a JSON file beside them holding
the settings and the training curve.

Requires the ``rl`` extra (torch).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("train_gatesynth")


def _moves(basis: str, tables: int):
    from qtool.gatesynth.cliffordt import CliffordTTables
    from qtool.gatesynth.exact import WordTables
    from qtool.gatesynth.search import basis_moves, clifford_t_moves
    if basis == "clifford_t":
        return clifford_t_moves(CliffordTTables(b_max=tables))
    return basis_moves(WordTables(basis, max_level=tables))


def _states(moves, rng, n: int, max_length: int, eps: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Scrambles (DeepCubeA-style): ``m_1 ... m_k`` for ``k`` uniform in ``1..max_length``,
    each nudged by a random rotation of angle below ``eps`` so that states are approximate
    like the search's residuals; returns their quaternions and costs (an upper bound on
    the cost-to-go)."""
    from qtool.gatesynth.su2 import qmul
    from qtool.rl.gatesynth_env import scramble_batch
    q, cost, _ = scramble_batch(moves, rng.integers(1, max_length + 1, size=n), rng)
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    half = rng.uniform(0, eps / 2, size=n)        # eps_op of the nudge ~ its half-angle
    nudge = np.concatenate([np.cos(half)[:, None], np.sin(half)[:, None] * axis], axis=1)
    return qmul(q, nudge), cost


def greedy_eval(q_fn, moves, states: np.ndarray, eps: float, max_steps: int
                ) -> np.ndarray:
    """Greedy rollouts of the policy ``argmin_a Q(R, a)`` from ``states``, finished by the
    suffix tables: the cost of each solution (``nan`` where none was found)."""
    from qtool.gatesynth.features import so3
    from qtool.gatesynth.su2 import qconj, qmul
    r = states.copy()
    n = len(r)
    g = np.zeros(n)
    last = np.full(n, -1)
    solved = np.full(n, np.nan)
    live = np.arange(n)
    for _ in range(max_steps + 1):
        done = np.array([c for c, _ in moves.suffix(r[live], eps)])
        hit = np.isfinite(done)
        solved[live[hit]] = g[live[hit]] + done[hit]
        live = live[~hit]
        if not len(live):
            break
        q = np.asarray(q_fn(so3(r[live])), dtype=float)
        q[~moves.allowed[last[live]]] = np.inf
        a = np.argmin(q, axis=1)
        r[live] = qmul(qconj(moves.quats[a]), r[live])
        g[live] += moves.costs[a]
        last[live] = a
    return solved


def plot_curve(meta: dict, path: Path) -> None:
    """Loss, greedy success rate and mean solution cost against training steps."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    c = meta["curve"]
    steps = [p["step"] for p in c]
    fig, ax = plt.subplots(1, 3, figsize=(12, 3.4))
    ax[0].semilogy(steps, [p["loss"] for p in c])
    ax[0].set_title("Bellman loss (MSE)")
    ax[1].plot(steps, [p["success"] for p in c])
    ax[1].set_ylim(0, 1.02)
    ax[1].set_title("greedy success on held-out scrambles")
    ax[2].plot(steps, [p["cost_ratio"] for p in c])
    ax[2].axhline(1.0, ls="--", c="gray")
    ax[2].set_title("solution cost / scramble cost (solved)")
    for a in ax:
        a.set_xlabel("training step")
    fig.suptitle(f"Q* training: {meta['basis']}, eps_op {meta['eps']:g}, suffix tables "
                 f"{meta['tables']}, scrambles 1..{meta['max_scramble']}", fontsize=10)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def train(args) -> dict:
    import torch
    from torch import nn

    from qtool.gatesynth.features import MLP, so3
    from qtool.gatesynth.su2 import qconj, qmul

    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    moves = _moves(args.basis, args.tables)
    n_moves = len(moves.names)

    def net_():
        layers, width = [], 9
        for _ in range(args.depth):
            layers += [nn.Linear(width, args.width), nn.ReLU()]
            width = args.width
        layers.append(nn.Linear(width, n_moves))
        return nn.Sequential(*layers)
    net, target = net_(), net_()
    target.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)

    def targets(q: np.ndarray) -> torch.Tensor:
        """Bellman targets ``y(R, a)`` for a batch of residuals (module doc)."""
        child = qmul(qconj(moves.quats)[None, :, :], q[:, None, :]).reshape(-1, 4)
        done = np.array([c for c, _ in moves.suffix(child, args.eps)])
        with torch.no_grad():
            nxt = target(torch.tensor(so3(child), dtype=torch.float32)).min(dim=1).values
        nxt = nxt.numpy().astype(float)
        future = np.where(np.isfinite(done), done, np.clip(nxt, 0.0, args.max_scramble))
        y = np.asarray(moves.costs)[None, :] + future.reshape(len(q), n_moves)
        return torch.tensor(y, dtype=torch.float32)

    # held-out evaluation scrambles (their own generator: the same for every run)
    eval_rng = np.random.default_rng(10_000 + args.seed)
    eval_states, eval_cost = _states(moves, eval_rng, args.eval_size, args.max_scramble,
                                     args.eps)

    def q_numpy(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.tensor(x, dtype=torch.float32)).numpy()

    curve = []
    t0 = time.perf_counter()
    for step in range(1, args.steps + 1):
        q, _ = _states(moves, rng, args.batch, args.max_scramble, args.eps)
        y = targets(q)
        pred = net(torch.tensor(so3(q), dtype=torch.float32))
        loss = nn.functional.mse_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.sync == 0:
            target.load_state_dict(net.state_dict())
        if step % args.log_every == 0 or step == args.steps:
            solved = greedy_eval(q_numpy, moves, eval_states, args.eps, 2 * args.max_scramble)
            ok = np.isfinite(solved)
            success = float(ok.mean())
            mean_cost = float(solved[ok].mean()) if ok.any() else float("nan")
            ratio = float(solved[ok].sum() / eval_cost[ok].sum()) if ok.any() else float("nan")
            curve.append({"step": step, "loss": loss.item(),
                          "seconds": time.perf_counter() - t0,
                          "mean_q": pred.detach().min(dim=1).values.mean().item(),
                          "success": success, "mean_cost": mean_cost, "cost_ratio": ratio})
            log.info("step %6d  loss %.4f  mean min-Q %.2f  greedy success %.2f  "
                     "mean cost %.2f  (%.0f s)", step, loss.item(), curve[-1]["mean_q"],
                     success, mean_cost, curve[-1]["seconds"])
    layers = [m for m in net if isinstance(m, nn.Linear)]
    mlp = MLP([m.weight.detach().numpy() for m in layers],
              [m.bias.detach().numpy() for m in layers])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    mlp.save(tmp)
    tmp.replace(out)
    meta = {"basis": args.basis, "eps": args.eps, "tables": args.tables,
            "moves": ["".join(m) for m in moves.names], "steps": args.steps,
            "seed": args.seed, "max_scramble": args.max_scramble,
            "width": args.width, "depth": args.depth,
            "eval_size": args.eval_size,
            "curve": curve}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    plot_curve(meta, out.with_suffix(".png"))
    return meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--basis", default="hrc", choices=["clifford_t", "hrc", "ht"])
    ap.add_argument("--eps", type=float, default=7.07e-4)
    ap.add_argument("--tables", type=int, default=5, help="suffix table depth (goal test)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--max-scramble", type=int, default=16,
                    help="longest scramble (states are 1..this many moves from a goal)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--sync", type=int, default=500)
    ap.add_argument("--log-every", type=int, default=500)
    ap.add_argument("--eval-size", type=int, default=256,
                    help="held-out scrambles for the greedy success rate in the curve")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(message)s")
    try:
        train(args)
    except KeyboardInterrupt:
        log.warning("interrupted; nothing written")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
