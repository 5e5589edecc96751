\ timer.fs — times `main` for bench/forth/run.sh, written for Kiln (Apache-2.0).
\ Uses UTIME and CPUTIME (gforth words Kiln also provides); prints
\ "wall_us=N user_us=N result=R" with R the program's `result`.
2variable t0  2variable c0
: time-main ( -- )
   utime t0 2!  cputime 2drop c0 2!
   main
   cputime 2drop c0 2@ d-  utime t0 2@ d-
   ." wall_us=" d. ." user_us=" d. ." result=" result @ . cr ;
