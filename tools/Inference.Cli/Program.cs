Console.Error.WriteLine("usage: inference <make-model|generate|serve> [options]");
return 2;
