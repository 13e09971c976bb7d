process.stderr.write('not built yet\n');
process.exitCode = 1;
