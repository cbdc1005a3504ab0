// 4-bit ripple-carry adder (Cuccaro, Draper, Kutin, Moulton, quant-ph/0410184):
// b <- a + b, carry into cout.  Inputs a = 0101 (5) and b = 0111 (7); the measured
// result is 01100 (12): ans[3:0] = sum, ans[4] = carry out.
OPENQASM 2.0;
include "qelib1.inc";

// MAJ: leaves the majority (carry) of c, b, a in a
gate maj c, b, a {
  cx a, b;
  cx a, c;
  ccx c, b, a;
}

// UMA: undoes MAJ and writes the sum bit into b
gate uma c, b, a {
  ccx c, b, a;
  cx a, c;
  cx c, b;
}

qreg cin[1];
qreg a[4];
qreg b[4];
qreg cout[1];
creg ans[5];

// a = 5, b = 7 (little-endian: a[0] is the least significant bit)
x a[0];
x a[2];
x b[0];
x b[1];
x b[2];

maj cin[0], b[0], a[0];
maj a[0], b[1], a[1];
maj a[1], b[2], a[2];
maj a[2], b[3], a[3];
cx a[3], cout[0];
uma a[2], b[3], a[3];
uma a[1], b[2], a[2];
uma a[0], b[1], a[1];
uma cin[0], b[0], a[0];

measure b[0] -> ans[0];
measure b[1] -> ans[1];
measure b[2] -> ans[2];
measure b[3] -> ans[3];
measure cout[0] -> ans[4];
