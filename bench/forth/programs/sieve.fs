\ sieve.fs — Sieve of Eratosthenes, written for Kiln (Apache-2.0).
\ The work of the classic BYTE sieve: 8190 odd-number flags, 1000 passes,
\ 1899 primes found per pass. `main` runs the passes; `result` holds the
\ count of the last pass.
decimal
8190 constant #flags
create flags #flags allot
variable result

: strike ( stride start -- )       \ clear every stride-th flag from start
   dup #flags < if
      flags +  flags #flags +  swap do  0 i c!  dup +loop
   else drop then  drop ;

: pass ( -- count )
   flags #flags 1 fill
   0 #flags 0 do
      flags i + c@ if
         i 2* 3 +  dup i + strike   \ the prime 2i+3 strikes from i+p
         1+
      then
   loop ;

: main ( -- )  0 1000 0 do drop pass loop result ! ;
