// OpenBLAS's CBLAS interface and the LAPACK routines fit calls (Debian's libopenblas-dev ships
// both in one library).
#include <cblas.h>

// LAPACK, Fortran calling convention: every argument by pointer.
// dgelsd: least squares min ||A·x − b|| by SVD (rank-revealing, robust to collinear columns).
void dgelsd_(int *m, int *n, int *nrhs, double *a, int *lda, double *b,
             int *ldb, double *s, double *rcond, int *rank, double *work,
             int *lwork, int *iwork, int *info);

// OpenBLAS: stops and joins its worker threads (it starts them again if a threaded routine is
// called later). Exported by every OpenBLAS build with threads; `fit batch` calls it because
// its own process does no linear algebra, while an idle worker spins on a core for its first
// ~0.1 s, which the trainings it starts need.
void blas_thread_shutdown_(void);

// dsyev: eigenvalues (ascending) and, with jobz 'V', orthonormal eigenvectors of a symmetric
// matrix; fit uses it on the small Gram matrix of the design (its spectrum sets the learning
// rate and momentum of `"lr": "auto"`, and its condition number is reported).
void dsyev_(char *jobz, char *uplo, int *n, double *a, int *lda, double *w, double *work,
            int *lwork, int *info);

// dgeqrf: QR factorization A = Q·R by Householder reflections (R in the upper triangle of a);
// the streamed least-squares reference updates R block by block with it (`StreamingQR`).
void dgeqrf_(int *m, int *n, double *a, int *lda, double *tau, double *work, int *lwork,
             int *info);
