// One QAOA layer for MaxCut on a 6-node ring, with the angles left as inputs:
// bind gamma_0 and beta_0 at run time (or let a compiler keep them symbolic).
OPENQASM 3.0;
include "stdgates.inc";

input float[64] gamma_0;
input float[64] beta_0;

// exp(-i theta/2 Z(x)Z), not in stdgates.inc
gate rzz(theta) a, b {
  cx a, b;
  rz(theta) b;
  cx a, b;
}

qubit[6] q;
bit[6] c;

// uniform superposition
h q[0];
h q[1];
h q[2];
h q[3];
h q[4];
h q[5];

// cost layer: one ZZ term per ring edge
rzz(2 * gamma_0) q[0], q[1];
rzz(2 * gamma_0) q[1], q[2];
rzz(2 * gamma_0) q[2], q[3];
rzz(2 * gamma_0) q[3], q[4];
rzz(2 * gamma_0) q[4], q[5];
rzz(2 * gamma_0) q[5], q[0];

// mixer layer
rx(2 * beta_0) q[0];
rx(2 * beta_0) q[1];
rx(2 * beta_0) q[2];
rx(2 * beta_0) q[3];
rx(2 * beta_0) q[4];
rx(2 * beta_0) q[5];

c = measure q;
