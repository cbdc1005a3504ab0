// A small quantum classifier: a ZZ feature map (two repetitions) encodes the
// features x_0..x_3, a RealAmplitudes-style layer with trainable angles w_0..w_7
// follows, and every qubit is measured.  All angles are inputs.
OPENQASM 3.0;
include "stdgates.inc";

input float[64] x_0;
input float[64] x_1;
input float[64] x_2;
input float[64] x_3;
input float[64] w_0;
input float[64] w_1;
input float[64] w_2;
input float[64] w_3;
input float[64] w_4;
input float[64] w_5;
input float[64] w_6;
input float[64] w_7;

qubit[4] q;
bit[4] c;

// feature map, repetition 1
h q[0];
p(2 * x_0) q[0];
h q[1];
p(2 * x_1) q[1];
h q[2];
p(2 * x_2) q[2];
h q[3];
p(2 * x_3) q[3];
cx q[0], q[1];
p(2 * (pi - x_0) * (pi - x_1)) q[1];
cx q[0], q[1];
cx q[0], q[2];
p(2 * (pi - x_0) * (pi - x_2)) q[2];
cx q[0], q[2];
cx q[0], q[3];
p(2 * (pi - x_0) * (pi - x_3)) q[3];
cx q[0], q[3];
cx q[1], q[2];
p(2 * (pi - x_1) * (pi - x_2)) q[2];
cx q[1], q[2];
cx q[1], q[3];
p(2 * (pi - x_1) * (pi - x_3)) q[3];
cx q[1], q[3];
cx q[2], q[3];
p(2 * (pi - x_2) * (pi - x_3)) q[3];
cx q[2], q[3];

// feature map, repetition 2
h q[0];
p(2 * x_0) q[0];
h q[1];
p(2 * x_1) q[1];
h q[2];
p(2 * x_2) q[2];
h q[3];
p(2 * x_3) q[3];
cx q[0], q[1];
p(2 * (pi - x_0) * (pi - x_1)) q[1];
cx q[0], q[1];
cx q[0], q[2];
p(2 * (pi - x_0) * (pi - x_2)) q[2];
cx q[0], q[2];
cx q[0], q[3];
p(2 * (pi - x_0) * (pi - x_3)) q[3];
cx q[0], q[3];
cx q[1], q[2];
p(2 * (pi - x_1) * (pi - x_2)) q[2];
cx q[1], q[2];
cx q[1], q[3];
p(2 * (pi - x_1) * (pi - x_3)) q[3];
cx q[1], q[3];
cx q[2], q[3];
p(2 * (pi - x_2) * (pi - x_3)) q[3];
cx q[2], q[3];

// trainable layer: RY rotations, a CX chain, RY rotations
ry(w_0) q[0];
ry(w_1) q[1];
ry(w_2) q[2];
ry(w_3) q[3];
cx q[0], q[1];
cx q[1], q[2];
cx q[2], q[3];
ry(w_4) q[0];
ry(w_5) q[1];
ry(w_6) q[2];
ry(w_7) q[3];

c = measure q;
