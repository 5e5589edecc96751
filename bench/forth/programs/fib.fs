\ fib.fs — doubly recursive Fibonacci, written for Kiln (Apache-2.0).
\ The work of the classic `34 fib` (with fib(0) = fib(1) = 1, so 34 fib is
\ 9227465): about 18.5 million calls.
decimal
variable result

: fib ( n -- f )
   dup 2 < if drop 1 exit then
   dup 1- recurse  swap 2 - recurse  + ;

: main ( -- )  34 fib result ! ;
