"""Interview records (结果确认 / 面谈记录): after the results, a workbook per manager with a
sheet per employee to record the feedback interview and both confirmations (:mod:`.generate`,
:mod:`.book`), simulated fillers for demos and tests (:mod:`.simulate`), and the state of the
step per employee and department (:mod:`.status`). Collect reads the returns back."""
