"""The loan-actions extension point (spaces.extensions): register, replace, unregister, order, nothing registered."""

from spaces.extensions import LoanAction, loan_actions, register_loan_action, unregister_loan_action


def test_register_replace_unregister_and_order():
    before = loan_actions()
    first = LoanAction(name="zz_test_b", description="B", run=lambda *a: None, permitted=lambda r: True)
    second = LoanAction(name="zz_test_a", description="A", run=lambda *a: None, permitted=lambda r: False)
    try:
        register_loan_action(first)
        register_loan_action(second)
        assert [a.name for a in loan_actions()][-2:] == ["zz_test_a", "zz_test_b"]
        replaced = LoanAction(name="zz_test_b", description="B2", run=lambda *a: None, permitted=lambda r: True)
        register_loan_action(replaced)
        assert loan_actions()[-1].description == "B2"
    finally:
        unregister_loan_action("zz_test_a")
        unregister_loan_action("zz_test_b")
    assert loan_actions() == before
    unregister_loan_action("never_registered")  # nothing happens
