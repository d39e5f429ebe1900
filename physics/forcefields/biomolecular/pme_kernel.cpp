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

// The order P is a compile-time constant (3..8, dispatched below; PME's usual is 5), so the stencil loops unroll;
// the gather sums each grid row once for the value and once for the derivative along the third axis.
// weights th[d][j] = M_p(w + j) and, when deriv, dth[d][j] = d/dw M_p(w + j), j = 0..p-1, for each axis d.
template <int P, typename T>
static inline void atom_stencil(const T* r, const double* box, const int64_t* K, int64_t idx[3][P], T th[3][P],
                                T dth[3][P], bool deriv) {
    for (int d = 0; d < 3; ++d) {
        const T u = r[d] / (T)box[d] * (T)K[d];
        const T fl = std::floor(u);
        const T w = u - fl;
        T a[P] = {w, 1 - w};
        for (int n = 3; n <= P; ++n) {
            if (n == P && deriv)
                for (int k = 0; k < n; ++k) dth[d][k] = (k < n - 1 ? a[k] : 0) - (k > 0 ? a[k - 1] : 0);
            T b[P];
            for (int k = 0; k < n; ++k)
                b[k] = ((w + k) * (k < n - 1 ? a[k] : 0) + (n - w - k) * (k > 0 ? a[k - 1] : 0)) / (T)(n - 1);
            for (int k = 0; k < n; ++k) a[k] = b[k];
        }
        for (int k = 0; k < P; ++k) th[d][k] = a[k];
        const int64_t base = (int64_t)fl;
        int64_t first = ((base % K[d]) + K[d]) % K[d];
        for (int j = 0; j < P; ++j) {
            idx[d][j] = first;
            first = first == 0 ? K[d] - 1 : first - 1;
        }
    }
}

template <int P, typename T>
static void spread(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, T* Q, int threads) {
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
            int64_t idx[3][P];
            T th[3][P], dth[3][P];
            atom_stencil<P>(R + 3 * i, box, K, idx, th, dth, false);
            for (int a = 0; a < P; ++a) {
                const T qa = q[i] * th[0][a];
                for (int b = 0; b < P; ++b) {
                    const T wab = qa * th[1][b];
                    T* row = grid + (idx[0][a] * K[1] + idx[1][b]) * K[2];
                    for (int c = 0; c < P; ++c) row[idx[2][c]] += wab * th[2][c];
                }
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

template <int P, typename T>
static void gather(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, const T* phi, T* grad,
                   int threads) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) {
        int64_t idx[3][P];
        T th[3][P], dth[3][P];
        atom_stencil<P>(R + 3 * i, box, K, idx, th, dth, true);
        T g[3] = {0, 0, 0};
        for (int a = 0; a < P; ++a)
            for (int b = 0; b < P; ++b) {
                const T* row = phi + (idx[0][a] * K[1] + idx[1][b]) * K[2];
                T s = 0, ds = 0;
                for (int c = 0; c < P; ++c) {
                    const T p = row[idx[2][c]];
                    s += p * th[2][c];
                    ds += p * dth[2][c];
                }
                g[0] += dth[0][a] * th[1][b] * s;
                g[1] += th[0][a] * dth[1][b] * s;
                g[2] += th[0][a] * th[1][b] * ds;
            }
        for (int d = 0; d < 3; ++d) grad[3 * i + d] = q[i] * g[d] * (T)K[d] / (T)box[d];
    }
}

// spread or gather at the runtime order, 3..8 (pme_kernel.py refuses any other before calling)
template <typename T>
static void spread_any(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, int order, T* Q,
                       int threads) {
    switch (order) {
        case 3: return spread<3>(R, n, q, box, K, Q, threads);
        case 4: return spread<4>(R, n, q, box, K, Q, threads);
        case 5: return spread<5>(R, n, q, box, K, Q, threads);
        case 6: return spread<6>(R, n, q, box, K, Q, threads);
        case 7: return spread<7>(R, n, q, box, K, Q, threads);
        default: return spread<8>(R, n, q, box, K, Q, threads);
    }
}

template <typename T>
static void gather_any(const T* R, int64_t n, const T* q, const double* box, const int64_t* K, int order,
                       const T* phi, T* grad, int threads) {
    switch (order) {
        case 3: return gather<3>(R, n, q, box, K, phi, grad, threads);
        case 4: return gather<4>(R, n, q, box, K, phi, grad, threads);
        case 5: return gather<5>(R, n, q, box, K, phi, grad, threads);
        case 6: return gather<6>(R, n, q, box, K, phi, grad, threads);
        case 7: return gather<7>(R, n, q, box, K, phi, grad, threads);
        default: return gather<8>(R, n, q, box, K, phi, grad, threads);
    }
}

extern "C" {
void pme_spread_f32(const float* R, int64_t n, const float* q, const double* box, const int64_t* K, int order,
                    float* Q, int threads) {
    spread_any<float>(R, n, q, box, K, order, Q, threads);
}
void pme_spread_f64(const double* R, int64_t n, const double* q, const double* box, const int64_t* K, int order,
                    double* Q, int threads) {
    spread_any<double>(R, n, q, box, K, order, Q, threads);
}
void pme_gather_f32(const float* R, int64_t n, const float* q, const double* box, const int64_t* K, int order,
                    const float* phi, float* grad, int threads) {
    gather_any<float>(R, n, q, box, K, order, phi, grad, threads);
}
void pme_gather_f64(const double* R, int64_t n, const double* q, const double* box, const int64_t* K, int order,
                    const double* phi, double* grad, int threads) {
    gather_any<double>(R, n, q, box, K, order, phi, grad, threads);
}
}
