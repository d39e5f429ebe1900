// Smooth PME's two particle-mesh passes (Essmann et al. 1995), the same equations as pme.py:
//   spread  Q(k) = sum_i q_i theta_i(k),   theta_i(k) = prod_d M_p(u_id - k_d),   u_id = K_d r_id / L_d
//   gather  dE/dr_id = q_i sum_k phi(k) (K_d / L_d) M_p'(u_id - k_d) prod_{e != d} M_p(u_ie - k_e),  phi = dE/dQ
// Grid point floor(u) - j (periodic) carries weight M_p(w + j), w = u - floor(u), j = 0..p-1, from the
// Cox-de Boor recursion; M_p'(x) = M_{p-1}(x) - M_{p-1}(x - 1). The grid is row-major [K0, K1, K2].
#include <cmath>
#include <cstdint>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

static const int MAX_ORDER = 8;

// weights[j] = M_p(w + j) and, when deriv is not null, deriv[j] = d/dw M_p(w + j), j = 0..p-1.
template <typename T>
static inline void spline(T w, int order, T* weights, T* deriv) {
    T a[MAX_ORDER] = {w, 1 - w};
    for (int n = 3; n <= order; ++n) {
        if (n == order && deriv) {
            for (int k = 0; k < n; ++k) deriv[k] = (k < n - 1 ? a[k] : 0) - (k > 0 ? a[k - 1] : 0);
        }
        T b[MAX_ORDER];
        for (int k = 0; k < n; ++k)
            b[k] = ((w + k) * (k < n - 1 ? a[k] : 0) + (n - w - k) * (k > 0 ? a[k - 1] : 0)) / (T)(n - 1);
        for (int k = 0; k < n; ++k) a[k] = b[k];
    }
    for (int k = 0; k < order; ++k) weights[k] = a[k];
}

template <typename T>
static inline void atom_stencil(const T* r, const double* box, const int64_t* K, int order, int64_t idx[3][MAX_ORDER],
                                T th[3][MAX_ORDER], T dth[3][MAX_ORDER], bool deriv) {
    for (int d = 0; d < 3; ++d) {
        const T u = r[d] / (T)box[d] * (T)K[d];
        const T fl = std::floor(u);
        spline<T>(u - fl, order, th[d], deriv ? dth[d] : nullptr);
        const int64_t base = (int64_t)fl;
        for (int j = 0; j < order; ++j) idx[d][j] = (((base - j) % K[d]) + K[d]) % K[d];
    }
}

template <typename T>
static void spread(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, int order, T* Q,
                   int threads) {
    const int64_t size = K[0] * K[1] * K[2];
    if (threads < 1) threads = 1;
    std::vector<T> buffers((size_t)threads * size, (T)0);
#pragma omp parallel num_threads(threads)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        T* grid = buffers.data() + (size_t)t * size;
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; ++i) {
            int64_t idx[3][MAX_ORDER];
            T th[3][MAX_ORDER], dth[3][MAX_ORDER];
            atom_stencil(R + 3 * i, box, K, order, idx, th, dth, false);
            for (int a = 0; a < order; ++a)
                for (int b = 0; b < order; ++b) {
                    const T wab = q[i] * th[0][a] * th[1][b];
                    const int64_t row = (idx[0][a] * K[1] + idx[1][b]) * K[2];
                    for (int c = 0; c < order; ++c) grid[row + idx[2][c]] += wab * th[2][c];
                }
        }
#pragma omp for schedule(static)
        for (int64_t k = 0; k < size; ++k) {
            T s = 0;
            for (int u = 0; u < threads; ++u) s += buffers[(size_t)u * size + k];
            Q[k] = s;
        }
    }
}

template <typename T>
static void gather(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, int order, const T* phi,
                   T* grad, int threads) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) {
        int64_t idx[3][MAX_ORDER];
        T th[3][MAX_ORDER], dth[3][MAX_ORDER];
        atom_stencil(R + 3 * i, box, K, order, idx, th, dth, true);
        T g[3] = {0, 0, 0};
        for (int a = 0; a < order; ++a)
            for (int b = 0; b < order; ++b) {
                const int64_t row = (idx[0][a] * K[1] + idx[1][b]) * K[2];
                for (int c = 0; c < order; ++c) {
                    const T p = phi[row + idx[2][c]];
                    g[0] += p * dth[0][a] * th[1][b] * th[2][c];
                    g[1] += p * th[0][a] * dth[1][b] * th[2][c];
                    g[2] += p * th[0][a] * th[1][b] * dth[2][c];
                }
            }
        for (int d = 0; d < 3; ++d) grad[3 * i + d] = q[i] * g[d] * (T)K[d] / (T)box[d];
    }
}

extern "C" {
void pme_spread_f32(const float* R, int64_t n, const float* q, const double* box, const int64_t* K, int order,
                    float* Q, int threads) {
    spread<float>(R, n, q, box, K, order, Q, threads);
}
void pme_spread_f64(const double* R, int64_t n, const double* q, const double* box, const int64_t* K, int order,
                    double* Q, int threads) {
    spread<double>(R, n, q, box, K, order, Q, threads);
}
void pme_gather_f32(const float* R, int64_t n, const float* q, const double* box, const int64_t* K, int order,
                    const float* phi, float* grad, int threads) {
    gather<float>(R, n, q, box, K, order, phi, grad, threads);
}
void pme_gather_f64(const double* R, int64_t n, const double* q, const double* box, const int64_t* K, int order,
                    const double* phi, double* grad, int threads) {
    gather<double>(R, n, q, box, K, order, phi, grad, threads);
}
}
