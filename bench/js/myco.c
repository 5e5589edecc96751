/* The Myco workload in C (same work as myco.js), for scale. */
#include <stdio.h>
int main(void) {
  volatile double sum = 0;
  for (long i = 0; i < 1000000; i++) sum = sum + i * 2.0;
  volatile int a[5] = {1, 2, 3, 4, 5};
  double t = 0;
  for (long i = 0; i < 100000; i++) t = t + a[0] + a[1] + a[2] + a[3] + a[4];
  printf("%.0f %.0f\n", sum, t);
  return 0;
}
