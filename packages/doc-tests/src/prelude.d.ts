// Names that samples use without defining them, as a reader of the guide would
// have them in their own program. Type-checking only: a sample that needs one
// of these at run time is marked `typecheck-only`. Keep this list short; a name
// belongs here only when defining it in the sample would hide its point.

/** README: the texts `parallelMap` counts words in. */
declare const documents: string[];
