// OpenBLAS's CBLAS interface and the LAPACK routines fit calls (Debian's libopenblas-dev ships
// both in one library).
#include <cblas.h>

// LAPACK, Fortran calling convention: every argument by pointer.
// dgelsd: least squares min ||A·x − b|| by SVD (rank-revealing, robust to collinear columns).
void dgelsd_(int *m, int *n, int *nrhs, double *a, int *lda, double *b,
             int *ldb, double *s, double *rcond, int *rank, double *work,
             int *lwork, int *iwork, int *info);
