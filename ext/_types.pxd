# Shared C types of qtool's kernels (one place, like sklearn's _typedefs.pxd).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t

ctypedef int32_t idx_t      # row / qubit / wire index
ctypedef uint16_t op_t      # op id into qtool.gates.GATES
ctypedef uint8_t flag_t
ctypedef double float_t
