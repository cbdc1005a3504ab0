// 8-qubit quantum Fourier transform of the basis state |10110001>, measured.
// OpenQASM 2: controlled phases use qelib1.inc's cu1; the final qubit reversal is
// written as three CNOTs per swap.
OPENQASM 2.0;
include "qelib1.inc";

qreg q[8];
creg c[8];

// input state
x q[0];
x q[4];
x q[5];
x q[7];

h q[0];
cu1(pi/2) q[1],q[0];
cu1(pi/4) q[2],q[0];
cu1(pi/8) q[3],q[0];
cu1(pi/16) q[4],q[0];
cu1(pi/32) q[5],q[0];
cu1(pi/64) q[6],q[0];
cu1(pi/128) q[7],q[0];
h q[1];
cu1(pi/2) q[2],q[1];
cu1(pi/4) q[3],q[1];
cu1(pi/8) q[4],q[1];
cu1(pi/16) q[5],q[1];
cu1(pi/32) q[6],q[1];
cu1(pi/64) q[7],q[1];
h q[2];
cu1(pi/2) q[3],q[2];
cu1(pi/4) q[4],q[2];
cu1(pi/8) q[5],q[2];
cu1(pi/16) q[6],q[2];
cu1(pi/32) q[7],q[2];
h q[3];
cu1(pi/2) q[4],q[3];
cu1(pi/4) q[5],q[3];
cu1(pi/8) q[6],q[3];
cu1(pi/16) q[7],q[3];
h q[4];
cu1(pi/2) q[5],q[4];
cu1(pi/4) q[6],q[4];
cu1(pi/8) q[7],q[4];
h q[5];
cu1(pi/2) q[6],q[5];
cu1(pi/4) q[7],q[5];
h q[6];
cu1(pi/2) q[7],q[6];
h q[7];

// reverse the qubit order
cx q[0],q[7];
cx q[7],q[0];
cx q[0],q[7];
cx q[1],q[6];
cx q[6],q[1];
cx q[1],q[6];
cx q[2],q[5];
cx q[5],q[2];
cx q[2],q[5];
cx q[3],q[4];
cx q[4],q[3];
cx q[3],q[4];

measure q -> c;
