"""IPP for page printers: a sans-IO codec (:mod:`printer.ipp.codec`) and the job state rules
(:mod:`printer.ipp.states`); the HTTP adapter is :mod:`printer.transport.ipp`."""
