// OpenBLAS's CBLAS interface and the LAPACK routines fit calls (Debian's libopenblas-dev ships
// both in one library).
#include <cblas.h>

// LAPACK, Fortran calling convention: every argument by pointer.
// dgelsd: least squares min ||A·x − b|| by SVD (rank-revealing, robust to collinear columns).
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);
