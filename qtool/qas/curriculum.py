"""The moving-threshold curriculum of CRLQAS (inherited from Ostaszewski et al. 2021).

Success is judged against a deliberately too-low "fake" minimum energy ``E_fake``: an
episode succeeds when ``E - E_fake < xi``.  Because ``E_fake`` lies below every reachable
energy, ``xi`` can never be met trivially; instead it follows the search:

1. start at ``xi = accept_err`` (default: ``(E_min - E_fake) + (E_empty - E_min) / 2``, i.e.
   the first successes are circuits that halve the empty circuit's error);
2. every ``shift_time`` episodes, reset ``xi = (E_best - E_fake) + ball`` -- success then
   means "within ``ball`` of the best energy found so far";
3. after every ``success_thresh`` successes, tighten ``xi`` by ``ball / radius_shift``: the
   agent keeps reaching the threshold, so it is asked for more -- possibly more than anyone
   has reached, in which case episodes run to their end on the incremental reward until a
   better circuit turns up.

Reading of the paper's description (ambiguous on what "shrink the ball" shrinks): we shrink
``xi`` itself and keep ``ball`` fixed, so the periodic reset of step 2 loosens ``xi`` again
when the agent has stopped improving, which keeps successes (and their +5) attainable.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CurriculumConfig", "MovingThreshold"]


@dataclass(frozen=True)
class CurriculumConfig:
    accept_err: float | None = None    # None: success = half the empty circuit's error
    fake_min_energy: float | None = None    # None: true minimum - 2 Ha (a "deliberately low" guess)
    shift_time: int = 500
    ball: float = 1e-3
    success_thresh: int = 25
    radius_shift: float = 10.0


@dataclass
class MovingThreshold:
    """State of the curriculum; :meth:`end_episode` advances it."""

    config: CurriculumConfig
    fake_min: float
    start_xi: float
    xi: float = field(init=False)
    best_energy: float = float("inf")
    episodes: int = 0
    successes: int = 0

    def __post_init__(self):
        self.xi = self.start_xi

    def is_success(self, energy: float) -> bool:
        return energy - self.fake_min < self.xi

    def record_energy(self, energy: float) -> None:
        self.best_energy = min(self.best_energy, energy)

    def end_episode(self, success: bool) -> None:
        cfg = self.config
        self.episodes += 1
        if success:
            self.successes += 1
            if self.successes % cfg.success_thresh == 0:
                self.xi = max(self.xi - cfg.ball / cfg.radius_shift, 0.0)
        if self.episodes % cfg.shift_time == 0 and self.best_energy < float("inf"):
            self.xi = self.best_energy - self.fake_min + cfg.ball

    def state(self) -> dict:
        return {"xi": self.xi, "best_energy": self.best_energy, "episodes": self.episodes,
                "successes": self.successes}
