// 10-qubit GHZ state (|0000000000> + |1111111111>)/sqrt(2), measured.
OPENQASM 3.0;
include "stdgates.inc";

qubit[10] q;
bit[10] c;

h q[0];
cx q[0], q[1];
cx q[1], q[2];
cx q[2], q[3];
cx q[3], q[4];
cx q[4], q[5];
cx q[5], q[6];
cx q[6], q[7];
cx q[7], q[8];
cx q[8], q[9];

c = measure q;
